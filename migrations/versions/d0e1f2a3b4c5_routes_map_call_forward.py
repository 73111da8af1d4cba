"""planned routes (legs with length and time), node positions on the park map, calls
forward from the holding lot, loaded and empty tanker spaces, park-wide booking imports

Revision ID: d0e1f2a3b4c5
Revises: c9d0e1f2a3b4
Create Date: 2026-11-25 21:26:25.544292

"""
from alembic import op
import sqlalchemy as sa

import gatekeeper.models.types


# revision identifiers, used by Alembic.
revision = 'd0e1f2a3b4c5'
down_revision = 'c9d0e1f2a3b4'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('fleet_import', schema=None) as batch_op:
        batch_op.alter_column('carrier_id',
               existing_type=sa.INTEGER(),
               nullable=True)

    with op.batch_alter_table('passage', schema=None) as batch_op:
        batch_op.add_column(sa.Column('called_at', gatekeeper.models.types.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('called_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_passage_called_by_id_user_account'), 'user_account', ['called_by_id'], ['id'])

    with op.batch_alter_table('road_node', schema=None) as batch_op:
        batch_op.add_column(sa.Column('x', sa.Double(), nullable=True))
        batch_op.add_column(sa.Column('y', sa.Double(), nullable=True))

    with op.batch_alter_table('route_stop', schema=None) as batch_op:
        batch_op.add_column(sa.Column('leg_m', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('leg_s', sa.Integer(), nullable=True))

    with op.batch_alter_table('zone', schema=None) as batch_op:
        batch_op.add_column(sa.Column('capacity_loaded_tankers', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('capacity_empty_tankers', sa.Integer(), nullable=True))



def downgrade():
    with op.batch_alter_table('zone', schema=None) as batch_op:
        batch_op.drop_column('capacity_empty_tankers')
        batch_op.drop_column('capacity_loaded_tankers')

    with op.batch_alter_table('route_stop', schema=None) as batch_op:
        batch_op.drop_column('leg_s')
        batch_op.drop_column('leg_m')

    with op.batch_alter_table('road_node', schema=None) as batch_op:
        batch_op.drop_column('y')
        batch_op.drop_column('x')

    with op.batch_alter_table('passage', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_passage_called_by_id_user_account'), type_='foreignkey')
        batch_op.drop_column('called_by_id')
        batch_op.drop_column('called_at')

    with op.batch_alter_table('fleet_import', schema=None) as batch_op:
        batch_op.alter_column('carrier_id',
               existing_type=sa.INTEGER(),
               nullable=False)

