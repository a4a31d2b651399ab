"""The charge-card function: a Lambda handler run as a Command binding.
The event arrives on stdin, the result goes to stdout; a failure is
Lambda's error payload {"errorType", "errorMessage"}."""
import json
import sys

event = json.load(sys.stdin)
if event["attempt"] < 2:
    print(json.dumps({"errorType": "CardProcessor.Busy",
                      "errorMessage": "try again (attempt %d)" % event["attempt"]}))
    sys.exit(0)
print(json.dumps({"order": event["order"], "charged": event["amount"],
                  "attempts": event["attempt"] + 1}))
