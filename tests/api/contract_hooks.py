"""schemathesis hooks for the contract test.

Long-polls are capped at one second: the fuzzer checks their answers, not the patience of
the run (a documented `wait` of up to 60 s times several hundred requests would take an hour).
"""

import schemathesis


@schemathesis.hook
def map_query(context, query):
    if query and isinstance(query.get("wait"), int) and query["wait"] > 1:
        query["wait"] = 1
    return query
