"""How the benchmarks and the browser tests run Chromium: its flags (no sandbox as root, no
GPU, nothing fetched in the background) and the selector of a page that finished running."""

# Debian's headless build of the same Chromium (no browser window layer): what Playwright itself
# drives when headless, and 15-20% fewer CPU-seconds a page view than the full `chromium`
# (7 page views, 2 cores: 32-34 s against 42 s). Kaleido's exports keep the full one.
CHROMIUM = "/usr/bin/chromium-headless-shell"

# --force-prefers-reduced-motion: Streamlit's running indicator and spinners stop animating,
# as for a user who asks for less motion. Animated, they kept Chromium drawing frames on a
# whole core for as long as a script ran (a page running 7 s: 6.4-7.3 CPU-s of Chromium,
# against 0.6-0.7 without the animation): CPU taken from the dashboard the benchmark times.
# The test suite's time did not change with it. Nothing a screenshot shows moves.
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run",
         "--disable-dev-shm-usage", "--force-prefers-reduced-motion"]
IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'
