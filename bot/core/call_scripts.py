"""The Lua of a tool call's start: the step's proposal if one exists, the worker's control and the call's
admission under the mission's cap. Run alone (`bot/core/limits.py`) or read ahead at the end of the previous
step's observation script (`bot/core/atomic.py`), so a playbook's next call costs no round trip of its own."""

from __future__ import annotations

# Admit a mission's tool call by its stable step key: a retried step is admitted again, a new one only while
# the mission is under its cap. Returns 0 when admitted, else how many calls have been turned away.
ADMIT_CALL_FN = """
local function admit_call(calls, refused, step, cap)
  if redis.call('SISMEMBER', calls, step) == 1 then return 0 end
  if redis.call('SCARD', calls) < tonumber(cap) then
    redis.call('SADD', calls, step)
    return 0
  end
  return redis.call('INCR', refused)
end
"""

# What a step reads before its tool call, and its admission. Keys: the step's proposal, the worker's control,
# tool calls, refused calls; step key, cap. {proposal, control, admission}: a step that proposed already, or
# a pulled switch, is not admitted (-1); else as `admit_call`.
BEGIN_CALL_FN = (
    ADMIT_CALL_FN
    + """
local function begin_call(proposal_key, control_key, calls, refused, step, cap)
  local proposal, control = redis.call('GET', proposal_key), redis.call('GET', control_key)
  if proposal or (control and cjson.decode(control).killed == true) then return {proposal, control, -1} end
  return {false, control, admit_call(calls, refused, step, cap)}
end
"""
)
