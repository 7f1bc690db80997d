#!/usr/bin/env python3
"""The labelling page in a real browser (headless Chromium from Debian, driven by Selenium).

    python3 Tests/Browser/label_page_test.py DIPP_BINARY GENERATOR_RUN [SCREENSHOT_DIR]

Checks: the page loads and shows two samples; a click, a key and the tie button each record a
pair; skip records nothing; a server killed with SIGKILL and restarted keeps every recorded pair
and the page goes on; path-traversal requests are refused; a malformed choice gets 400.
Prints 'N passed, M failed' and exits non-zero on any failure.
"""
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

DIPP, RUN = sys.argv[1], sys.argv[2]
SHOTS = sys.argv[3] if len(sys.argv) > 3 else None
work = tempfile.mkdtemp(prefix="dipp-label-test-")
pairs_file = os.path.join(work, "pairs.jsonl")
results = []


def check(name, condition, detail=""):
    results.append(condition)
    print(("ok   " if condition else "FAIL ") + name + ("" if condition else f": {detail}"), flush=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(port):
    server = subprocess.Popen([DIPP, "label", RUN, "--port", str(port), "--pairs", pairs_file],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    line = server.stdout.readline()  # printed once the socket listens
    if "labelling" not in line:
        raise SystemExit(f"the server did not start: {line}{server.stdout.read() if server.poll() is not None else ''}")
    return server


def lines():
    if not os.path.exists(pairs_file):
        return []
    with open(pairs_file) as f:
        return [json.loads(l) for l in f.read().splitlines() if l.strip()]


def wait_for_lines(n, timeout=60):
    deadline = time.monotonic() + timeout  # a generous bound for a busy machine: a pair is one fsync
    while time.monotonic() < deadline and len(lines()) < n:
        time.sleep(0.05)
    return len(lines())


def raw_request(port, request):
    with socket.create_connection(("127.0.0.1", port), timeout=30) as s:
        s.sendall(request.encode())
        data = b""
        while chunk := s.recv(65536):
            data += chunk
            if b"\r\n\r\n" in data and len(data) > data.index(b"\r\n\r\n") + 4:
                break
        return data.decode(errors="replace")


def status(response):
    return int(response.split(" ", 2)[1]) if response.startswith("HTTP/") else -1


def wait_for_new_pair(driver, previous_id):
    WebDriverWait(driver, 60).until(lambda d: d.execute_script("return current && current.id") not in (None, previous_id))
    return driver.execute_script("return current.id")


port = free_port()
server = start_server(port)
options = webdriver.ChromeOptions()
for flag in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=900,700"]:
    options.add_argument(flag)
options.binary_location = "/usr/bin/chromium"
driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
try:
    driver.get(f"http://127.0.0.1:{port}/")
    WebDriverWait(driver, 60).until(lambda d: (d.find_element(By.ID, "left-image").get_attribute("src") or "").startswith("data:image/png"))
    check("the page loads with two PNG samples", driver.find_element(By.ID, "right-image").get_attribute("src").startswith("data:image/png"))
    check("the page names the condition", driver.find_element(By.ID, "condition").text.startswith(("Class:", "Prompt:")),
          driver.find_element(By.ID, "condition").text)
    if SHOTS:
        os.makedirs(SHOTS, exist_ok=True)
        driver.save_screenshot(os.path.join(SHOTS, "label-page.png"))

    first = driver.execute_script("return current.id")
    driver.find_element(By.ID, "left").click()
    check("a click on the left sample records a pair", wait_for_lines(1) == 1 and lines()[0]["choice"] == "left", lines())
    second = wait_for_new_pair(driver, first)
    driver.find_element(By.TAG_NAME, "body").send_keys(Keys.ARROW_RIGHT)
    check("the → key records 'right'", wait_for_lines(2) == 2 and lines()[1]["choice"] == "right", lines())
    third = wait_for_new_pair(driver, second)
    driver.find_element(By.ID, "tie").click()
    check("the tie button records 'tie'", wait_for_lines(3) == 3 and lines()[2]["choice"] == "tie", lines())
    fourth = wait_for_new_pair(driver, third)
    driver.find_element(By.ID, "skip").click()
    wait_for_new_pair(driver, fourth)
    check("skip records nothing", len(lines()) == 3, lines())
    pair = lines()[0]
    check("a pair holds both samples, the class and its source",
          len(pair["left"]) == len(pair["right"]) > 0 and isinstance(pair["label"], int) and pair["source"] == "label-page", pair.keys())

    server.send_signal(signal.SIGKILL)
    server.wait()
    check("every pair survives a killed server", len(lines()) == 3, lines())
    server = start_server(port)
    driver.refresh()
    WebDriverWait(driver, 60).until(lambda d: "3 pairs recorded" in d.find_element(By.ID, "status").text)
    check("the restarted page shows the recorded pairs", "3 pairs recorded" in driver.find_element(By.ID, "status").text)
    driver.find_element(By.ID, "right").click()
    check("the restarted server appends to the same file", wait_for_lines(4) == 4 and lines()[3]["choice"] == "right", lines())
    if SHOTS:
        driver.save_screenshot(os.path.join(SHOTS, "label-page-after-restart.png"))

    for path in ["/../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd", "/api/../../../etc/passwd"]:
        response = raw_request(port, f"GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        check(f"GET {path} is refused", status(response) in (400, 404) and "root:" not in response, response[:200])
    response = raw_request(port, "GET /etc/passwd HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
    check("an unknown path gets 404", status(response) == 404, response[:200])
    body = "this is not json"
    response = raw_request(port, f"POST /api/choice HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                                 f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n{body}")
    check("a malformed choice gets 400 with a message", status(response) == 400 and "expected a JSON object" in response, response[:300])
    check("nothing was recorded by the bad requests", len(lines()) == 4, lines())
finally:
    driver.quit()
    server.kill()

failed = results.count(False)
print(f"{len(results) - failed} passed, {failed} failed")
sys.exit(1 if failed else 0)
