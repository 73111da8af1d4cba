"""indexes for the vehicle and person files: passages by trailer, bookings by trailer, driver
and escort, alerts by vehicle and person

Revision ID: f81652837999
Revises: c6a2cd8a8339
Create Date: 2026-11-27 08:05:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'f81652837999'
down_revision = 'c6a2cd8a8339'
branch_labels = None
depends_on = None

INDEXES = (
    ('passage', 'trailer_id'),
    ('booking', 'trailer_id'),
    ('booking', 'driver_id'),
    ('booking', 'escort_id'),
    ('alert', 'vehicle_id'),
    ('alert', 'person_id'),
)


def upgrade():
    for table, column in INDEXES:
        op.create_index(op.f(f'ix_{table}_{column}'), table, [column], unique=False)


def downgrade():
    for table, column in reversed(INDEXES):
        op.drop_index(op.f(f'ix_{table}_{column}'), table_name=table)
