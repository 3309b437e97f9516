"""Every list of the spec that takes a cursor, against the real processes: a cursor no list gave out is refused
as 400 problem+json naming cursor, by whichever service serves the list."""

from __future__ import annotations

import pytest
from gateway_checks import operations_with_query, problem

pytestmark = pytest.mark.e2e

NOT_CURSORS = ["abc", "1" * 30]


@pytest.mark.parametrize("cursor", NOT_CURSORS)
@pytest.mark.parametrize("operation", operations_with_query("cursor"), ids=lambda o: f"{o.method.upper()} {o.url}")
def test_a_cursor_no_list_gave_out_is_400_naming_the_cursor(running, operation, cursor):
    # A token of its first role with the scopes it needs besides (and then the purpose rule DV asks), and its other
    # required parameters as the spec's examples give them: only the cursor is wrong.
    headers = {"Authorization": f"Bearer {running.token(operation.roles[0], scopes=operation.scopes)}"}
    if operation.scopes:
        headers["X-Purpose"] = "cursor-check"
    params = {**dict(operation.required), "cursor": cursor}
    response = running.http.request(operation.method, operation.url, params=params, headers=headers)
    body = problem(response, 400)
    assert body["errors"][0]["field"] == "cursor"
