/*
 * image.c - aslc build --image NAME[:TAG] / --image-archive FILE: an OCI
 * image FROM scratch holding the static executable (as /machine, the
 * entrypoint) and the host's CA certificates, one layer, written by podman
 * (Debian's podman package) and saved as an OCI archive on request.
 *
 * podman is $ASLC_PODMAN (split into words: global options such as
 * "podman --storage-driver vfs" go there), else "podman".  Images are built
 * with --timestamp 0, so the same executable gives the same image.
 */
#include <errno.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "aslc.h"
#include "ir.h"

extern char **environ;

#define CA_BUNDLE "/etc/ssl/certs/ca-certificates.crt"

/* Run podman's words plus args (NULL-terminated); 0 on success. */
static int podman(bool verbose, const char *const *args)
{
	char **v = NULL;
	int n = 0;
	const char *env = getenv("ASLC_PODMAN");
	if (env && *env && split_words(env, &v, &n) < 0) {
		fprintf(stderr, "aslc: ASLC_PODMAN has an unclosed quote: %s\n", env);
		return -1;
	}
	if (n == 0)
		vec_push(&v, &n, xstrdup("podman"));
	for (const char *const *a = args; *a; a++)
		vec_push(&v, &n, xstrdup(*a));
	vec_push(&v, &n, (char *)NULL);
	if (verbose) {
		for (int i = 0; v[i]; i++)
			fprintf(stderr, "%s%s", i ? " " : "", v[i]);
		fputc('\n', stderr);
	}
	/* podman's stdout (image ids, "Untagged") goes with aslc's messages. */
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, 2, 1);
	pid_t pid;
	int rc = posix_spawnp(&pid, v[0], &fa, NULL, v, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (rc != 0) {
		fprintf(stderr,
			"aslc: cannot run %s: %s (--image needs podman; ASLC_PODMAN names it)\n",
			v[0], strerror(rc));
	} else {
		int st = 0;
		pid_t w;
		while ((w = waitpid(pid, &st, 0)) < 0 && errno == EINTR)
			;
		rc = w == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
		if (rc)
			fprintf(stderr, "aslc: %s %s failed\n", v[0], args[0]);
	}
	for (int i = 0; i < n - 1; i++)
		free(v[i]);
	free(v);
	return rc ? -1 : 0;
}

static int copy_file(const char *from, const char *to, mode_t mode)
{
	FILE *in = fopen(from, "rb");
	if (!in) {
		fprintf(stderr, "aslc: cannot read %s: %s\n", from, strerror(errno));
		return -1;
	}
	FILE *out = fopen(to, "wb");
	int rc = out ? 0 : -1;
	char buf[65536];
	size_t k;
	while (rc == 0 && (k = fread(buf, 1, sizeof buf, in)) > 0)
		if (fwrite(buf, 1, k, out) != k)
			rc = -1;
	if (ferror(in))
		rc = -1;
	fclose(in);
	if (out && fclose(out) != 0)
		rc = -1;
	if (rc == 0 && chmod(to, mode) != 0)
		rc = -1;
	if (rc)
		fprintf(stderr, "aslc: cannot write %s: %s\n", to, strerror(errno));
	return rc;
}

static void rm_tree(const char *dir)
{
	const char *files[] = {"Containerfile",
			       "rootfs/machine",
			       "rootfs" CA_BUNDLE,
			       "rootfs/etc/ssl/certs",
			       "rootfs/etc/ssl",
			       "rootfs/etc",
			       "rootfs"};
	for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
		char *p = xasprintf("%s/%s", dir, files[i]);
		remove(p);
		free(p);
	}
	rmdir(dir);
}

int image_build(const char *exe, const char *image, const char *archive, bool verbose)
{
	const char *base = getenv("TMPDIR");
	char *dir = xasprintf("%s/aslc-image-XXXXXX", base && *base ? base : "/tmp");
	if (!mkdtemp(dir)) {
		fprintf(stderr, "aslc: cannot create a temporary directory: %s\n", strerror(errno));
		free(dir);
		return -1;
	}
	int rc = -1;
	char *p = xasprintf("%s/rootfs/etc/ssl/certs", dir);
	char *cf = xasprintf("%s/Containerfile", dir);
	char *bin = xasprintf("%s/rootfs/machine", dir);
	char *ca = xasprintf("%s/rootfs" CA_BUNDLE, dir);
	char *tag = image ? xstrdup(image) : xasprintf("localhost/aslc-image-%ld", (long)getpid());
	bool certs = access(CA_BUNDLE, R_OK) == 0;
	/* mkdir -p rootfs/etc/ssl/certs */
	for (char *s = p + strlen(dir) + 1;; s++) {
		if (*s == '/' || !*s) {
			char c = *s;
			*s = 0;
			mkdir(p, 0755);
			*s = c;
			if (!c)
				break;
		}
	}
	if (!certs)
		fprintf(stderr,
			"aslc: warning: no %s on this host: the image has no CA "
			"certificates (install ca-certificates)\n",
			CA_BUNDLE);
	FILE *f = fopen(cf, "w");
	if (!f ||
	    fprintf(f, "FROM scratch\nCOPY rootfs/ /\n%sENTRYPOINT [\"/machine\"]\n",
		    certs ? "ENV SSL_CERT_FILE=" CA_BUNDLE "\n" : "") < 0 ||
	    fclose(f) != 0) {
		fprintf(stderr, "aslc: cannot write %s: %s\n", cf, strerror(errno));
		goto out;
	}
	if (copy_file(exe, bin, 0755) || (certs && copy_file(CA_BUNDLE, ca, 0644)))
		goto out;
	const char *build[] = {"build", "--quiet", "--timestamp", "0", "-t", tag,
			       "-f",	cf,	   dir,		  NULL};
	if (podman(verbose, build))
		goto out;
	rc = 0;
	if (archive) {
		remove(archive); /* podman save refuses to overwrite */
		const char *save[] = {"save", "--quiet", "--format", "oci-archive",
				      "-o",   archive,	 tag,	     NULL};
		rc = podman(verbose, save);
	}
	if (!image) {
		const char *rmi[] = {"rmi", tag, NULL};
		podman(verbose, rmi);
	}
out:
	rm_tree(dir);
	free(p);
	free(cf);
	free(bin);
	free(ca);
	free(tag);
	free(dir);
	return rc;
}
