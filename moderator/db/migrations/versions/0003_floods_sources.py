"""per-address flood limits and the chair's quarantine: request.source_hash, request.quarantined,
meeting.max_devices_per_address, meeting.max_open_per_address

Revision ID: 0003_floods
Revises: 0002_access
"""
from alembic import op
import sqlalchemy as sa


revision = '0003_floods'
down_revision = '0002_access'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('request', schema=None) as batch_op:
        batch_op.add_column(sa.Column('source_hash', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('quarantined', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.create_index('ix_request_meeting_source', ['meeting_id', 'source_hash'], unique=False)
    with op.batch_alter_table('meeting', schema=None) as batch_op:
        batch_op.add_column(sa.Column('max_devices_per_address', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('max_open_per_address', sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('meeting', schema=None) as batch_op:
        batch_op.drop_column('max_open_per_address')
        batch_op.drop_column('max_devices_per_address')
    with op.batch_alter_table('request', schema=None) as batch_op:
        batch_op.drop_index('ix_request_meeting_source')
        batch_op.drop_column('quarantined')
        batch_op.drop_column('source_hash')
