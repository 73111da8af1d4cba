"""the park's roads version: a token that moves with every change of the road network,
for the network kept per process

Revision ID: 1b2c3d4e5f60
Revises: 0a1b2c3d4e5f
Create Date: 2026-11-26 08:40:00.000000

"""
import uuid

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '1b2c3d4e5f60'
down_revision = '0a1b2c3d4e5f'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('park', schema=None) as batch_op:
        batch_op.add_column(sa.Column('roads_version', sa.String(length=32), nullable=True))
    # A token of this database's own: never one a process kept for another database.
    op.execute(sa.text("UPDATE park SET roads_version = :token").bindparams(token=uuid.uuid4().hex))
    with op.batch_alter_table('park', schema=None) as batch_op:
        batch_op.alter_column('roads_version', existing_type=sa.String(length=32), nullable=False)


def downgrade():
    with op.batch_alter_table('park', schema=None) as batch_op:
        batch_op.drop_column('roads_version')
