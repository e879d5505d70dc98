/*
 * secrets.c — making and reading a lab's secrets.
 */
#define _GNU_SOURCE
#include "secrets.h"

#include "child.h"
#include "lab.h"
#include "log.h"
#include "strutil.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

bool secrets_password(char *buf, size_t len)
{
	static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456"
				       "789._";
	unsigned char raw[64];

	if (len < 2 || len - 1 > sizeof(raw) || getrandom(raw, len - 1, 0) != (ssize_t) (len - 1)) {
		log_error("could not get random bytes: %s", strerror(errno));
		return false;
	}
	for (size_t i = 0; i < len - 1; i++)
		buf[i] = alphabet[raw[i] % 64];
	buf[len - 1] = '\0';
	return true;
}

static bool write_secret(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	size_t len = strlen(text);

	if (fd < 0 || write(fd, text, len) != (ssize_t) len || close(fd) != 0) {
		log_error("could not write %s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return false;
	}
	return true;
}

static bool ssh_keygen(const char *path, const char *comment)
{
	char *argv[] = { "ssh-keygen",	   "-q", "-t",		"ed25519", "-N", "", "-C",
			 (char *) comment, "-f", (char *) path, NULL };
	char log_path[PATH_MAX];

	if (child_run(argv, lab_state_path("replab.log", log_path, sizeof(log_path))) == 0)
		return true;
	log_error("ssh-keygen could not make %s", path);
	log_hint("is openssh-client installed? (make deps)");
	return false;
}

bool secrets_create(void)
{
	static const char *const passwords[] = { "replication-password", "lab-password" };
	char dir[PATH_MAX], path[PATH_MAX + 64], pw[25];

	lab_state_path("secrets", dir, sizeof(dir));
	if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
		log_error("could not create %s: %s", dir, strerror(errno));
		return false;
	}
	for (size_t i = 0; i < sizeof(passwords) / sizeof(passwords[0]); i++) {
		xsnprintf(path, sizeof(path), "%s/%s", dir, passwords[i]);
		if (!secrets_password(pw, sizeof(pw)) || !write_secret(path, pw))
			return false;
	}
	xsnprintf(path, sizeof(path), "%s/id_ed25519", dir);
	if (!ssh_keygen(path, "replab"))
		return false;
	for (int i = 0; i < lab_nvms; i++) {
		xsnprintf(path, sizeof(path), "%s/host-%s", dir, lab_vms[i].name);
		if (!ssh_keygen(path, lab_vms[i].name))
			return false;
	}
	return true;
}

char *secrets_read(const char *name)
{
	char path[PATH_MAX];
	char *text = NULL;
	size_t cap = 0;
	ssize_t n;
	FILE *f;

	xsnprintf(path, sizeof(path), "%s/secrets/%s", lab_state_dir(), name);
	f = fopen(path, "r");
	if (!f) {
		log_error("could not read %s: %s", path, strerror(errno));
		return NULL;
	}
	n = getdelim(&text, &cap, '\0', f);
	fclose(f);
	if (n < 0) {
		free(text);
		return NULL;
	}
	while (n > 0 && text[n - 1] == '\n')
		text[--n] = '\0';
	return text;
}
