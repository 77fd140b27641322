"""Container healthcheck: GET $TTS_HEALTHCHECK_URL and expect 200.

Services point it at their ``<prefix>/ready`` (database and broker answer), workers at
their Prometheus exposition port. Without a URL (the scheduler), being able to run
Python in the container is the check.
"""

import os
import sys
import urllib.request

url = os.environ.get("TTS_HEALTHCHECK_URL")
if not url:
    sys.exit(0)
try:
    with urllib.request.urlopen(url, timeout=3) as response:
        sys.exit(0 if response.status == 200 else 1)
except Exception as error:  # any failure is "unhealthy", with a reason in docker inspect
    print(f"unhealthy: {url}: {error}", file=sys.stderr)
    sys.exit(1)
