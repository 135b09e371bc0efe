# expect: the code is empty
