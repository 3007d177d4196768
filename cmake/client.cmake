# The client network thread and LAN discovery: the shared code, the Linux
# loop. A Windows build would list net/client_wsa.c instead of
# net/client_poll.c (client_internal.h is the interface between them).
set(PAWN_NET_CLIENT_SOURCES
  net/client.c
  net/client_poll.c
  net/discovery.c)
