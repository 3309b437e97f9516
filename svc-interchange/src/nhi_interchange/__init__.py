"""Daily link with the aggregation system and sub-copy exchange with the intermediate server."""
