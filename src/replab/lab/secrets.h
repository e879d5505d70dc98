/*
 * secrets.h — a lab's secrets, made when the lab is created and kept 0600
 * in STATE/secrets: the PostgreSQL passwords and the SSH keys.
 */
#ifndef REPLAB_SECRETS_H
#define REPLAB_SECRETS_H

#include <stdbool.h>
#include <stddef.h>

/* A random password of URL-safe characters, len-1 long. */
bool secrets_password(char *buf, size_t len);

/*
 * Create STATE/secrets with replication-password, lab-password, the client
 * key id_ed25519 and one host key per VM (ssh-keygen).
 */
bool secrets_create(void);

/* Read STATE/secrets/name (trailing newline dropped); NULL when unreadable. */
char *secrets_read(const char *name);

#endif
