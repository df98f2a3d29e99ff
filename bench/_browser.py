"""How the benchmarks and the browser tests run Chromium: its flags (no sandbox as root, no
GPU, nothing fetched in the background) and the selector of a page that finished running."""

FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run",
         "--disable-dev-shm-usage"]
IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'
