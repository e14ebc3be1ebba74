"""Reference implementation of the original gestor log server design, for
bench/admin_logs.sh: FastAPI + uvicorn (Debian's python3-fastapi and
python3-uvicorn), POST /logs appends each batch as one line to a JSON-lines
file (no fsync, as the original did; REF_FSYNC=1 adds an fsync per batch),
GET /logs returns the stored lines. Run with /usr/bin/python3:

    REF_LOG=/tmp/logs.jsonl /usr/bin/python3 -m uvicorn --app-dir bench/ref \
        app:app --host 127.0.0.1 --port 8001 --no-access-log
"""
import json
import os

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

LOG_PATH = os.environ.get("REF_LOG", "logs.jsonl")
FSYNC = os.environ.get("REF_FSYNC") == "1"

app = FastAPI()


@app.post("/logs", status_code=201)
async def post_logs(request: Request):
    data = await request.json()
    records = data if isinstance(data, list) else data.get("records", [])
    with open(LOG_PATH, "a", encoding="utf-8") as f:
        f.write(json.dumps(data) + "\n")
        if FSYNC:
            f.flush()
            os.fsync(f.fileno())
    return {"status": "stored", "records": len(records)}


@app.get("/logs")
async def get_logs():
    out = []
    try:
        with open(LOG_PATH, encoding="utf-8") as f:
            for line in f:
                out.append(json.loads(line))
    except FileNotFoundError:
        pass
    return JSONResponse(out)


@app.get("/health")
async def health():
    return {"status": "ok"}
