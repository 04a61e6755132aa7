\
 del _warnings_defaults
