"""gate documents: a document photographed at the barrier belongs to its passage

Revision ID: f6a7b8c9d0e1
Revises: e5f6a7b8c9d0
Create Date: 2026-11-25 19:02:46.884015

"""
from alembic import op
import sqlalchemy as sa

import gatekeeper.models.types


# revision identifiers, used by Alembic.
revision = 'f6a7b8c9d0e1'
down_revision = 'e5f6a7b8c9d0'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('document', schema=None) as batch_op:
        batch_op.add_column(sa.Column('passage_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_document_passage_id'), ['passage_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_document_passage_id_passage'), 'passage', ['passage_id'], ['id'])
        batch_op.drop_constraint('has_owner', type_='check')
        batch_op.create_check_constraint(
            'has_owner',
            'vehicle_id IS NOT NULL OR person_id IS NOT NULL OR carrier_id IS NOT NULL'
            ' OR passage_id IS NOT NULL',
        )



def downgrade():
    op.execute('DELETE FROM document WHERE passage_id IS NOT NULL')
    with op.batch_alter_table('document', schema=None) as batch_op:
        batch_op.drop_constraint('has_owner', type_='check')
        batch_op.create_check_constraint(
            'has_owner',
            'vehicle_id IS NOT NULL OR person_id IS NOT NULL OR carrier_id IS NOT NULL',
        )
        batch_op.drop_constraint(batch_op.f('fk_document_passage_id_passage'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_document_passage_id'))
        batch_op.drop_column('passage_id')

