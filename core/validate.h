/* Shapes of identifiers the API accepts (see API.md, "Conventions"). */
#ifndef GH_VALIDATE_H
#define GH_VALIDATE_H

/* ^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$: mission, deployment, freeze and event ids. */
int valid_client_id(const char *s);
/* 1..128 characters of [A-Za-z0-9._:-]: an X-Request-Id worth echoing. */
int valid_request_id(const char *s);

#endif
