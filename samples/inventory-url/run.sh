#!/bin/sh
# run.sh EXE ASLC BACKEND WORKDIR: start the inventory service on a free
# port, bind the function to its URL, run the execution, stop the service.
exe=$1
work=$4
rm -f "$work/port"
python3 inventory.py >"$work/port" &
server=$!
trap 'kill $server 2>/dev/null' EXIT
i=0; while [ ! -s "$work/port" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
printf '{"Bindings": {"reserve-stock": {"Url": "http://127.0.0.1:%s/reserve"}}}\n' \
	"$(cat "$work/port")" >"$work/bindings.json"
"$exe" --clock virtual --bindings "$work/bindings.json"
