/*
 * cgroupid_fuzz.c — libFuzzer target for servicio/cgroupid.h: the input is a
 * /proc/<pid>/cgroup file (cgroupid_from_file_buf) and each of its lines also
 * a bare path (cgroupid_from_path). A found id must be 64 lowercase hex
 * digits; the reported directory length must lie within the path; the path
 * output is always terminated within its capacity.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cgroupid.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_id(const char *id)
{
	size_t i;

	if (strlen(id) != GESTOR_CTR_ID_LEN)
		abort();
	for (i = 0; i < GESTOR_CTR_ID_LEN; i++)
		if (!((id[i] >= '0' && id[i] <= '9') || (id[i] >= 'a' && id[i] <= 'f')))
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char id[GESTOR_CTR_ID_LEN + 1];
	char path[64]; /* small on purpose: the cut must hold */
	char *buf, *line, *save = NULL;
	size_t dir_len;

	buf = malloc(size + 1);
	if (!buf)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	if (cgroupid_from_file_buf(buf, id, path, sizeof(path)))
		check_id(id);
	if (memchr(path, '\0', sizeof(path)) == NULL)
		abort();
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (cgroupid_from_path(line, id, &dir_len)) {
			check_id(id);
			if (dir_len > strlen(line))
				abort();
		}
	}
	free(buf);
	return 0;
}
