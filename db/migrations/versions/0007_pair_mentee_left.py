"""pair mentee left: a mentee who left a group that goes on without them (erasure)

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-24 12:00:00

``pair_mentees.left_at`` marks a mentee who erased their data while their group went on: from
then on they are no longer in it. The KPI index of 0005 gets the column too, so "is this member
a mentee of a qualifying pair (and still in it)?" is still answered from the index alone.
"""
from alembic import op
import sqlalchemy as sa
import db.base


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('pair_mentees', schema=None) as batch_op:
        batch_op.add_column(sa.Column('left_at', db.base.UTCDateTime(timezone=True), nullable=True))
        batch_op.drop_index('ix_pair_mentees_member_pair')
        batch_op.create_index('ix_pair_mentees_member_pair', ['mentee_member_id', 'pair_id', 'left_at'],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table('pair_mentees', schema=None) as batch_op:
        batch_op.drop_index('ix_pair_mentees_member_pair')
        batch_op.create_index('ix_pair_mentees_member_pair', ['mentee_member_id', 'pair_id'], unique=False)
        batch_op.drop_column('left_at')
