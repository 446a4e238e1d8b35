# Webhook receiver for Alertmanager: appends each notification, with the time it arrived, to a JSON-lines file.
# Arguments: PORT FILE; scripts/alerting-lab.sh up runs it.
import http.server, json, sys, time
out = sys.argv[2]
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
        with open(out, "a") as f:
            for a in body.get("alerts", []):
                f.write(json.dumps({"received": time.time(), "status": a.get("status"),
                                    "labels": a.get("labels", {}), "startsAt": a.get("startsAt")}) + "\n")
        self.send_response(200); self.end_headers()
    def log_message(self, *a): pass
http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
