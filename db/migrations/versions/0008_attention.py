"""attention: what needs a curator's attention, gathered into one summary (domain/attention.py)

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-24 10:00:00
"""
from alembic import op
import sqlalchemy as sa
import db.base


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('attention_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('ref', sa.String(length=64), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=True),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('args', sa.JSON(), nullable=False),
    sa.Column('buttons', sa.JSON(), nullable=True),
    sa.Column('tz', sa.String(length=64), nullable=True),
    sa.Column('dedupe_key', sa.String(length=128), nullable=True),
    sa.Column('created_at', db.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('summary_id', sa.Integer(), nullable=True),
    sa.Column('closed_at', db.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('closed_why', sa.String(length=12), nullable=True),
    sa.ForeignKeyConstraint(['summary_id'], ['outbox.id'], name=op.f('fk_attention_items_summary_id_outbox'),
                            ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_attention_items_unit_id_units'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_attention_items_user_id_users'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attention_items')),
    sa.UniqueConstraint('dedupe_key', name=op.f('uq_attention_items_dedupe_key'))
    )
    with op.batch_alter_table('attention_items', schema=None) as batch_op:
        batch_op.create_index('ix_attention_user_open', ['user_id', 'closed_at'], unique=False)
        batch_op.create_index('ix_attention_user_ref', ['user_id', 'kind', 'ref'], unique=False)
        batch_op.create_index(batch_op.f('ix_attention_items_unit_id'), ['unit_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_attention_items_summary_id'), ['summary_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('attention_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_attention_items_summary_id'))
        batch_op.drop_index(batch_op.f('ix_attention_items_unit_id'))
        batch_op.drop_index('ix_attention_user_ref')
        batch_op.drop_index('ix_attention_user_open')
    op.drop_table('attention_items')
