"""Mistral runs a workflow through its API, engine and executor; zaqar keeps a message
(in swift) that both its HTTP API and its websocket server hand back."""
from __future__ import annotations

import json
import subprocess
import time
import uuid

from tests.e2e.conftest import BIN, NAME, ROOT

# Names carry a random suffix, so the tests also pass again on the same deployment.
SUFFIX = uuid.uuid4().hex[:8]
WORKFLOW = f"""---
version: '2.0'
e2e_echo_{SUFFIX}:
  input: [word]
  tasks:
    say:
      action: std.echo output=<% $.word %>
      publish:
        said: <% task().result %>
  output:
    said: <% $.said %>
"""

# Speak zaqar's websocket protocol from inside the namespace: authenticate, then list the
# queue's messages. Prints the two responses as JSON.
WS_CLIENT = """
import json, sys, uuid, websocket
url, token, project, queue = sys.argv[1:5]
ws = websocket.create_connection(url, timeout=10)
def call(action, body):
    ws.send(json.dumps({"action": action, "body": body, "headers": {
        "Client-ID": str(uuid.uuid4()), "X-Project-ID": project, "X-Auth-Token": token}}))
    return json.loads(ws.recv())
auth = call("authenticate", {})
print(json.dumps([auth, call("message_list", {"queue_name": queue, "echo": True})]))
ws.close()
"""


def test_workflow_list_answers(deployed):
    json.loads(deployed.openstack("workflow", "list", "-f", "json"))
    endpoints = json.loads(deployed.openstack("endpoint", "list", "--service", "workflowv2",
                                              "-f", "json"))
    assert {e["Interface"] for e in endpoints} == {"public", "internal", "admin"}
    assert all(e["URL"].endswith("/v2") for e in endpoints)


def test_workflow_execution_succeeds(deployed):
    src = ROOT / "e2e-workflow.yaml"
    src.write_text(WORKFLOW)
    deployed.openstack("workflow", "create", str(src))
    execution = json.loads(deployed.openstack("workflow", "execution", "create",
                                              f"e2e_echo_{SUFFIX}",
                                              json.dumps({"word": "undercroft"}), "-f", "json"))
    deadline = time.monotonic() + 60
    while True:
        state = json.loads(deployed.openstack("workflow", "execution", "show", execution["ID"],
                                              "-f", "json"))["State"]
        if state not in ("IDLE", "RUNNING") or time.monotonic() > deadline:
            break
        time.sleep(1)
    assert state == "SUCCESS"
    output = json.loads(deployed.openstack("workflow", "execution", "output", "show",
                                           execution["ID"]))
    assert output == {"said": "undercroft"}


def test_zaqar_message_round_trip_over_http_and_websocket(deployed):
    client, queue = str(uuid.uuid4()), f"e2e-queue-{SUFFIX}"
    deployed.openstack("messaging", "queue", "create", queue)
    queues = json.loads(deployed.openstack("messaging", "queue", "list", "-f", "json"))
    assert queue in {q["Name"] for q in queues}
    deployed.openstack("messaging", "message", "post", "--client-id", client, queue,
                       json.dumps([{"body": {"hello": "undercroft"}, "ttl": 300}]))
    messages = json.loads(deployed.openstack("messaging", "message", "list", "--client-id",
                                             client, "--echo", queue, "-f", "json"))
    assert [m["Body"] for m in messages] == [{"hello": "undercroft"}]

    token = json.loads(deployed.openstack("token", "issue", "-f", "json"))
    [url] = deployed.openstack("endpoint", "list", "--service", "messaging-websocket",
                               "--interface", "internal", "-f", "value", "-c", "URL").split()
    assert url.startswith("ws://")
    proc = subprocess.run(["ip", "netns", "exec", NAME, str(BIN / "python"), "-c", WS_CLIENT,
                           url, token["id"], token["project_id"], queue],
                          capture_output=True, text=True, check=True)
    auth, listed = json.loads(proc.stdout)
    assert auth["headers"]["status"] == 200, auth
    assert [m["body"] for m in listed["body"]["messages"]] == [{"hello": "undercroft"}]


# A websocket subscriber: authenticate, subscribe to the queue, say so, then wait for the
# notification zaqar's API pushes through the websocket server when a message is posted.
WS_SUBSCRIBER = """
import json, sys, uuid, websocket
url, token, project, queue = sys.argv[1:5]
ws = websocket.create_connection(url, timeout=60)
headers = {"Client-ID": str(uuid.uuid4()), "X-Project-ID": project, "X-Auth-Token": token}
def call(action, body):
    ws.send(json.dumps({"action": action, "body": body, "headers": headers}))
    return json.loads(ws.recv())
print(json.dumps([call("authenticate", {}), call("subscription_create",
                                                 {"queue_name": queue, "ttl": 600})]), flush=True)
print(ws.recv(), flush=True)
ws.close()
"""


def test_a_websocket_subscriber_is_notified_of_a_posted_message(deployed):
    """tripleoclient follows deployments this way: the API posts each message to the
    websocket server's notification endpoint, which pushes it to the subscribers."""
    queue = f"e2e-notify-{SUFFIX}"
    deployed.openstack("messaging", "queue", "create", queue)
    token = json.loads(deployed.openstack("token", "issue", "-f", "json"))
    [url] = deployed.openstack("endpoint", "list", "--service", "messaging-websocket",
                               "--interface", "internal", "-f", "value", "-c", "URL").split()
    sub = subprocess.Popen(["ip", "netns", "exec", NAME, str(BIN / "python"), "-c", WS_SUBSCRIBER,
                            url, token["id"], token["project_id"], queue],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        auth, created = json.loads(sub.stdout.readline())
        assert auth["headers"]["status"] == 200 and created["headers"]["status"] == 201, created
        deployed.openstack("messaging", "message", "post", "--client-id", str(uuid.uuid4()), queue,
                           json.dumps([{"body": {"step": "notified"}, "ttl": 300}]))
        note = json.loads(sub.stdout.readline() or "{}")
        assert (note.get("Message_Type"), note.get("queue_name"), note.get("body")) == \
            ("Notification", queue, {"step": "notified"}), (note, sub.stderr.read())
    finally:
        sub.kill()
        sub.wait()
