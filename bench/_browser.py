"""How the benchmarks and the browser tests run Chromium: its flags (no sandbox as root, no
GPU, nothing fetched in the background) and the selector of a page that finished running."""

# Debian's headless build of the same Chromium (no browser window layer): what Playwright itself
# drives when headless, and 15-20% fewer CPU-seconds a page view than the full `chromium`
# (7 page views, 2 cores: 32-34 s against 42 s). Kaleido's exports keep the full one.
CHROMIUM = "/usr/bin/chromium-headless-shell"

FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run",
         "--disable-dev-shm-usage"]
IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'
