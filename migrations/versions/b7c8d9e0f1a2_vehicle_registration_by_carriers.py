"""vehicle registration by carriers: plate colour, licence, tank approvals, park review

Revision ID: b7c8d9e0f1a2
Revises: a1f2e3d4c5b6
Create Date: 2026-11-25 17:15:00

"""
from alembic import op
import sqlalchemy as sa

import gatekeeper.models.types


# revision identifiers, used by Alembic.
revision = 'b7c8d9e0f1a2'
down_revision = 'a1f2e3d4c5b6'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('vehicle', schema=None) as batch_op:
        batch_op.add_column(sa.Column('plate_colour', sa.Enum('blue', 'yellow', 'green', 'yellow_green', 'white', 'black', name='platecolour', native_enum=False, length=12), nullable=True))
        batch_op.add_column(sa.Column('tank_approved', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('licence_number', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('licence_inspection_expiry', sa.Date(), nullable=True))
        # Vehicles registered before the review existed were entered by the park: approved.
        batch_op.add_column(sa.Column('review_status', sa.Enum('pending', 'approved', 'rejected', name='reviewstatus', native_enum=False, length=10), nullable=False, server_default='approved'))
        batch_op.add_column(sa.Column('review_comment', sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column('reviewed_at', gatekeeper.models.types.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('reviewed_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_vehicle_reviewed_by_id_user_account'), 'user_account', ['reviewed_by_id'], ['id'])
    op.execute("UPDATE vehicle SET tank_approved = '[]'")
    with op.batch_alter_table('vehicle', schema=None) as batch_op:
        batch_op.alter_column('tank_approved', existing_type=sa.JSON(), nullable=False)


def downgrade():
    with op.batch_alter_table('vehicle', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_vehicle_reviewed_by_id_user_account'), type_='foreignkey')
        batch_op.drop_column('reviewed_by_id')
        batch_op.drop_column('reviewed_at')
        batch_op.drop_column('review_comment')
        batch_op.drop_column('review_status')
        batch_op.drop_column('licence_inspection_expiry')
        batch_op.drop_column('licence_number')
        batch_op.drop_column('tank_approved')
        batch_op.drop_column('plate_colour')
