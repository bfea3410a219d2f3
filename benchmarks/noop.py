"""The floor: a job that does nothing, importable by RQ workers."""


def noop(arg: str) -> str:
    return arg
