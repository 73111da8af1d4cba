"""captures waiting for their reading: a partial index for the sweep for lost reading jobs

Revision ID: 0a1b2c3d4e5f
Revises: f2a3b4c5d6e7
Create Date: 2026-11-26 08:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0a1b2c3d4e5f'
down_revision = 'f2a3b4c5d6e7'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('passage', schema=None) as batch_op:
        batch_op.create_index(
            'ix_passage_reading_pending',
            ['occurred_at'],
            unique=False,
            postgresql_where=sa.text("read_status = 'pending'"),
            sqlite_where=sa.text("read_status = 'pending'"),
        )


def downgrade():
    with op.batch_alter_table('passage', schema=None) as batch_op:
        batch_op.drop_index(
            'ix_passage_reading_pending',
            postgresql_where=sa.text("read_status = 'pending'"),
            sqlite_where=sa.text("read_status = 'pending'"),
        )
