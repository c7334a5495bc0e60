"""consent batches: parental consents confirmed together by one press of a curator, undoable

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-24 10:00:00

A curator confirms several minors' parental consents at once (issue 9, item 13); the consents of
one press point at their batch, so an undo within a few minutes restores exactly those people.
"""
import sqlalchemy as sa
from alembic import op

import db.base

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('consent_batches',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('recorded_by_user_id', sa.Integer(), nullable=True),
    sa.Column('created_at', db.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('undone_at', db.base.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['recorded_by_user_id'], ['users.id'],
                            name=op.f('fk_consent_batches_recorded_by_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consent_batches'))
    )
    with op.batch_alter_table('consent_batches', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_consent_batches_recorded_by_user_id'), ['recorded_by_user_id'],
                              unique=False)

    with op.batch_alter_table('consents', schema=None) as batch_op:
        batch_op.add_column(sa.Column('batch_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_consents_batch_id'), ['batch_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_consents_batch_id_consent_batches'), 'consent_batches',
                                    ['batch_id'], ['id'], ondelete='SET NULL')


def downgrade() -> None:
    with op.batch_alter_table('consents', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_consents_batch_id_consent_batches'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_consents_batch_id'))
        batch_op.drop_column('batch_id')

    with op.batch_alter_table('consent_batches', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_consent_batches_recorded_by_user_id'))

    op.drop_table('consent_batches')
