# Shared by the host sides of the self-healing-agent's requests (arasul-reboot-request.sh,
# arasul-recreate-request.sh); sourced, not run. A request is a small `key=value` file the agent wrote
# atomically into a directory shared with its container.

# take_request FILE: reads the request (at most 4 KiB) into REQUEST and removes FILE before anything else
# happens, so a request is acted on at most once, whatever follows.
take_request() {
  REQUEST="$(head -c 4096 -- "$1")"
  rm -f -- "$1"
}

# request_field NAME: the value of the first NAME=… line of REQUEST.
request_field() { printf '%s\n' "$REQUEST" | sed -n "s/^$1=//p" | head -n 1; }

# request_reason: the reason, printable characters only, at most 200 of them (it goes into the journal).
request_reason() { request_field reason | tr -cd '[:print:]' | cut -c1-200; }
