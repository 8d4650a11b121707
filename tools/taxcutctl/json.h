/* SPDX-License-Identifier: GPL-2.0 */
/* The little JSON taxcutctl writes: strings escaped, nothing else needed. */
#ifndef TAXCUTCTL_JSON_H
#define TAXCUTCTL_JSON_H

#include <stdio.h>

/* @s as a JSON string, quotes included; NULL as null. */
void json_str(FILE *f, const char *s);

/* "KEY": */
void json_key(FILE *f, const char *key);

#endif /* TAXCUTCTL_JSON_H */
