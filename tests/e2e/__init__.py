"""The browser end-to-end test: JupyterLab in headless Chromium, driven by Playwright."""
