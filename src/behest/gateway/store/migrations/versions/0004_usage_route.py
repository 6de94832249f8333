"""Usage records keep how a request was routed: upstream attempts and the route's reason.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("usage_records") as table:
        table.add_column(sa.Column("attempts", sa.Integer, nullable=False, server_default="0"))
        table.add_column(sa.Column("route", sa.String(64), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("usage_records") as table:
        table.drop_column("route")
        table.drop_column("attempts")
