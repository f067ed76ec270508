def tabs(x):
	if x:
		return 1   # comment
      
   # odd comment indentation

	else:
		return [1,
  2,
			3]
def crlf(y):
    z = y  \
        + 1
    return z
