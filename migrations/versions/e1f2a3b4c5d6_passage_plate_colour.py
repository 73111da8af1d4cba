"""the plate colour read at the gate (camera or pipeline), kept with every passage

Revision ID: e1f2a3b4c5d6
Revises: d0e1f2a3b4c5
Create Date: 2026-11-25 22:09:44.214518

"""
from alembic import op
import sqlalchemy as sa

import gatekeeper.models.types


# revision identifiers, used by Alembic.
revision = 'e1f2a3b4c5d6'
down_revision = 'd0e1f2a3b4c5'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('passage', schema=None) as batch_op:
        batch_op.add_column(sa.Column('plate_colour', sa.String(length=12), nullable=True))



def downgrade():
    with op.batch_alter_table('passage', schema=None) as batch_op:
        batch_op.drop_column('plate_colour')

