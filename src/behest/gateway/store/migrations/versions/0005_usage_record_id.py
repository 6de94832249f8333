"""Usage records carry a gateway-made id, so a batch written twice is written once.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("usage_records") as table:
        table.add_column(sa.Column("record_id", sa.String(32), nullable=True))
    op.create_index("ux_usage_records_record_id", "usage_records", ["record_id"], unique=True)


def downgrade() -> None:
    op.drop_index("ux_usage_records_record_id", table_name="usage_records")
    with op.batch_alter_table("usage_records") as table:
        table.drop_column("record_id")
