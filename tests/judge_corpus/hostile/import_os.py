# expect: line 2: import is not allowed
import os
def judge(t):
    return {"x": at_least(1.0, 0.0)}
