"""after the meeting: follow-up codes, notifications, satisfaction ratings, archive origin of imported meetings,
organisations (communes, wards, province) owning meetings and organisers

Revision ID: 0004_beyond
Revises: 0003_floods
"""
from alembic import op
import sqlalchemy as sa

from moderator.domain.followcode import new_follow_code

revision = '0004_beyond'
down_revision = '0003_floods'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('organisation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('level', sa.String(length=20), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['parent_id'], ['organisation.id'], name='fk_organisation_parent', ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('name')
    )
    with op.batch_alter_table('admin') as batch:
        batch.add_column(sa.Column('organisation_id', sa.Integer(), nullable=True))
        batch.create_foreign_key('fk_admin_organisation', 'organisation', ['organisation_id'], ['id'],
                                 ondelete='SET NULL')
    with op.batch_alter_table('meeting') as batch:
        batch.add_column(sa.Column('archive_origin', sa.String(length=80), nullable=True))
        batch.add_column(sa.Column('archive_version', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('organisation_id', sa.Integer(), nullable=True))
        batch.create_foreign_key('fk_meeting_organisation', 'organisation', ['organisation_id'], ['id'],
                                 ondelete='SET NULL')
        batch.create_index('ix_meeting_organisation_id', ['organisation_id'], unique=False)
    with op.batch_alter_table('request') as batch:
        batch.add_column(sa.Column('follow_code', sa.String(length=12), nullable=True))
        batch.add_column(sa.Column('email', sa.String(length=200), nullable=True))
        batch.add_column(sa.Column('notify_opt_out', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.create_unique_constraint('uq_request_follow_code', ['follow_code'])
    # Requests filed before this revision get their code too: their ticket links must work after the meeting.
    conn = op.get_bind()
    request = sa.table('request', sa.column('id', sa.Integer), sa.column('follow_code', sa.String))
    ids = [row[0] for row in conn.execute(sa.select(request.c.id).where(request.c.follow_code.is_(None)))]
    used: set[str] = set()
    for rid in ids:
        code = new_follow_code()
        while code in used:
            code = new_follow_code()
        used.add(code)
        conn.execute(request.update().where(request.c.id == rid).values(follow_code=code))
    op.create_table('notification',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('event', sa.String(length=20), nullable=False),
    sa.Column('channel', sa.String(length=10), nullable=False),
    sa.Column('recipient_masked', sa.String(length=60), nullable=False),
    sa.Column('subject', sa.String(length=300), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(), nullable=False),
    sa.Column('last_error', sa.String(length=300), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('sent_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['meeting_id'], ['meeting.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['request_id'], ['request.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('request_id', 'event', 'channel', name='uq_notification_event')
    )
    op.create_index('ix_notification_due', 'notification', ['status', 'next_attempt_at'], unique=False)
    op.create_index(op.f('ix_notification_meeting_id'), 'notification', ['meeting_id'], unique=False)
    op.create_table('rating',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('satisfied', sa.Boolean(), nullable=False),
    sa.Column('reason', sa.String(length=500), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['meeting_id'], ['meeting.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['request_id'], ['request.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('request_id', name='uq_rating_request')
    )
    op.create_index(op.f('ix_rating_meeting_id'), 'rating', ['meeting_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_rating_meeting_id'), table_name='rating')
    op.drop_table('rating')
    op.drop_index(op.f('ix_notification_meeting_id'), table_name='notification')
    op.drop_index('ix_notification_due', table_name='notification')
    op.drop_table('notification')
    with op.batch_alter_table('request') as batch:
        batch.drop_constraint('uq_request_follow_code', type_='unique')
        batch.drop_column('notify_opt_out')
        batch.drop_column('email')
        batch.drop_column('follow_code')
    with op.batch_alter_table('meeting') as batch:
        batch.drop_index('ix_meeting_organisation_id')
        batch.drop_constraint('fk_meeting_organisation', type_='foreignkey')
        batch.drop_column('organisation_id')
        batch.drop_column('archive_version')
        batch.drop_column('archive_origin')
    with op.batch_alter_table('admin') as batch:
        batch.drop_constraint('fk_admin_organisation', type_='foreignkey')
        batch.drop_column('organisation_id')
    op.drop_table('organisation')
