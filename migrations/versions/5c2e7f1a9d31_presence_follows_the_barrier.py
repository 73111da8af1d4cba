"""presence follows the barrier: passed_at, and unregistered vehicles by plate

Revision ID: 5c2e7f1a9d31
Revises: 3b8c1d2e4f50
Create Date: 2026-11-25 16:10:00

"""
from alembic import op
import sqlalchemy as sa

import gatekeeper.models.types


# revision identifiers, used by Alembic.
revision = '5c2e7f1a9d31'
down_revision = '3b8c1d2e4f50'
branch_labels = None
depends_on = None

OLD = (
    "(kind = 'vehicle' AND vehicle_id IS NOT NULL AND person_id IS NULL)"
    " OR (kind = 'person' AND person_id IS NOT NULL AND vehicle_id IS NULL)"
)
NEW = (
    "(kind = 'vehicle' AND (vehicle_id IS NOT NULL OR plate IS NOT NULL)"
    " AND person_id IS NULL)"
    " OR (kind = 'person' AND person_id IS NOT NULL AND vehicle_id IS NULL)"
)


def upgrade():
    with op.batch_alter_table('presence', schema=None) as batch_op:
        batch_op.add_column(sa.Column('plate', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('passed_at', gatekeeper.models.types.UTCDateTime(), nullable=True))
        batch_op.drop_constraint(op.f('ck_presence_subject_matches_kind'), type_='check')
        batch_op.create_check_constraint('subject_matches_kind', NEW)
    # Rows written before this revision were inside.
    op.execute("UPDATE presence SET passed_at = entered_at")


def downgrade():
    op.execute("DELETE FROM presence WHERE vehicle_id IS NULL AND kind = 'vehicle'")
    with op.batch_alter_table('presence', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_presence_subject_matches_kind'), type_='check')
        batch_op.create_check_constraint('subject_matches_kind', OLD)
        batch_op.drop_column('passed_at')
        batch_op.drop_column('plate')
