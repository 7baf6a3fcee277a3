/*  precis_curve - CURVE encryption and authentication for every socket of
    a process, with czmq's zcert and zauth.

    A process started with --curve-cert PATH owns that certificate (PATH
    and PATH_secret, as `precis keygen` writes them). The sockets it binds
    become CURVE servers: traffic is encrypted, and with --curve-allow DIR
    only clients whose public certificate is in DIR may connect (zauth);
    without it any client that speaks CURVE may. The sockets it connects
    become CURVE clients of the server whose public certificate is given by
    --curve-server PATH (default: its own certificate, which is how the
    hub's ingest and sink, sharing one certificate, reach each other).
    Without --curve-cert nothing changes: sockets are plain.
*/
#ifndef PRECIS_CURVE_H
#define PRECIS_CURVE_H

#include "precis_config.h"
#include <czmq.h>

/* Loads the certificates and starts the authenticator as configured.
   Returns 0, or -1 (logged) when a certificate cannot be loaded. */
int precis_curve_start(const precis_config_t *config);
void precis_curve_stop(void);

/* True once precis_curve_start enabled CURVE. */
bool precis_curve_enabled(void);

/* Makes sock a CURVE server (before it binds) or client (before it
   connects). No-ops when CURVE is off. */
void precis_curve_server(zsock_t *sock);
void precis_curve_client(zsock_t *sock);

/* The process's key pair in Z85 text, for zproxy's CURVE command. */
const char *precis_curve_public_txt(void);
const char *precis_curve_secret_txt(void);

/* `precis keygen NAME [--dir DIR]`: writes DIR/NAME.cert and
   DIR/NAME.cert_secret. argv[0] is "keygen". */
int precis_cmd_keygen(int argc, char **argv);

#endif
