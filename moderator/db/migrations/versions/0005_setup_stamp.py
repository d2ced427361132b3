"""meeting.setup_stamp: renewed whenever a meeting's fields, units or programme change, so every worker can keep
their names in memory (the broadcast after each chair action no longer reads them)

Revision ID: 0005_setup_stamp
Revises: 0004_beyond
"""
import secrets

from alembic import op
import sqlalchemy as sa

revision = '0005_setup_stamp'
down_revision = '0004_beyond'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('meeting') as batch:
        batch.add_column(sa.Column('setup_stamp', sa.String(length=32), server_default='', nullable=False))
    conn = op.get_bind()
    meeting = sa.table('meeting', sa.column('id', sa.Integer), sa.column('setup_stamp', sa.String))
    for (mid,) in conn.execute(sa.select(meeting.c.id)).all():
        conn.execute(meeting.update().where(meeting.c.id == mid).values(setup_stamp=secrets.token_hex(16)))


def downgrade() -> None:
    with op.batch_alter_table('meeting') as batch:
        batch.drop_column('setup_stamp')
