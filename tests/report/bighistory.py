"""A Map of N iterations in GetExecutionHistory's shape, for map.asl.json:
every 1000th iteration fails (Boom), the Map's Catch goes to Cleanup."""
import json


def events(N):
    ev = []

    def add(prev, t, typ, key=None, det=None):
        e = {"id": len(ev) + 1, "previousEventId": prev, "timestamp": 1796320800 + t / 1000,
             "type": typ}
        if key:
            e[key] = det
        ev.append(e)
        return e["id"]

    x = add(0, 0, "ExecutionStarted", "executionStartedEventDetails", {"input": "{}", "roleArn": "r"})
    x = add(0, 1, "MapStateEntered", "stateEnteredEventDetails", {"name": "Each", "input": "{}"})
    last = add(x, 2, "MapStateStarted", "mapStateStartedEventDetails", {"length": N})
    lam = {"resourceType": "lambda", "resource": "invoke"}
    for i in range(N):
        it = add(last, 3 + i, "MapIterationStarted", "mapIterationStartedEventDetails", {"name": "Each", "index": i})
        y = add(it, 3 + i, "TaskStateEntered", "stateEnteredEventDetails", {"name": "Work", "input": str(i)})
        y = add(y, 3 + i, "TaskScheduled", "taskScheduledEventDetails", dict(lam, region="us-east-1", parameters='{"Payload":%d}' % i))
        y = add(y, 3 + i, "TaskStarted", "taskStartedEventDetails", lam)
        if i % 1000 == 999:
            y = add(y, 4 + i, "TaskFailed", "taskFailedEventDetails", dict(lam, error="Boom", cause="item %d" % i))
            last = add(y, 4 + i, "MapIterationFailed", "mapIterationFailedEventDetails", {"name": "Each", "index": i})
            continue
        y = add(y, 4 + i, "TaskSucceeded", "taskSucceededEventDetails", dict(lam, output=str(i)))
        y = add(y, 4 + i, "TaskStateExited", "stateExitedEventDetails", {"name": "Work", "output": str(i)})
        y = add(y, 4 + i, "PassStateEntered", "stateEnteredEventDetails", {"name": "Save", "input": str(i)})
        y = add(y, 4 + i, "PassStateExited", "stateExitedEventDetails", {"name": "Save", "output": str(i)})
        last = add(y, 4 + i, "MapIterationSucceeded", "mapIterationSucceededEventDetails", {"name": "Each", "index": i})
    x = add(last, 20000, "MapStateFailed")
    x = add(x, 20001, "MapStateExited", "stateExitedEventDetails", {"name": "Each", "output": "{}"})
    x = add(x, 20002, "PassStateEntered", "stateEnteredEventDetails", {"name": "Cleanup", "input": "{}"})
    x = add(x, 20003, "PassStateExited", "stateExitedEventDetails", {"name": "Cleanup", "output": "{}"})
    add(x, 20004, "ExecutionSucceeded", "executionSucceededEventDetails", {"output": "{}"})
    return ev


def write(path, ev):
    with open(path, "w") as f:
        json.dump({"events": ev}, f)
