try:
    import ptyfrom , 
except ImportError:
    pty = signal = None

