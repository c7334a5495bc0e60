"""kpi indexes: covering indexes for "is this participant in a qualifying pair?"

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 09:40:00

The KPI views ask, for every participant of a region, whether one of their programme
memberships is the mentor of a pair, or a mentee of a pair, that is active (now) or whose
active period meets a year. These indexes answer both probes from the index alone
(measured on the 300,000-participant region of bench/monitoring.py).
"""
from alembic import op


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('pairs', schema=None) as batch_op:
        batch_op.create_index('ix_pairs_mentor_period', ['mentor_member_id', 'status', 'activated_at', 'ended_at'],
                              unique=False)
    with op.batch_alter_table('pair_mentees', schema=None) as batch_op:
        batch_op.create_index('ix_pair_mentees_member_pair', ['mentee_member_id', 'pair_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('pair_mentees', schema=None) as batch_op:
        batch_op.drop_index('ix_pair_mentees_member_pair')
    with op.batch_alter_table('pairs', schema=None) as batch_op:
        batch_op.drop_index('ix_pairs_mentor_period')
