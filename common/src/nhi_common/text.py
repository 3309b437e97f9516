"""What text the suite takes in: one definition for every service that checks a field on the way in."""

from __future__ import annotations

import re

# No field the suite stores or routes holds a control character: PostgreSQL refuses a NUL in text outright, and no
# id, name, address or registry field has a tab or a line break in it. The gateway checks paths, queries and
# headers with it, svc-integration every field of a feed, svc-qualification the ids of events and job messages.
CONTROL_CHARACTER = re.compile(r"[\x00-\x1f\x7f]")
