/* form.h: reading application/x-www-form-urlencoded bodies, query strings and cookies. */
#ifndef SB_FORM_H
#define SB_FORM_H

#include "arena.h"

/* The decoded value of name in "a=1&b=x%20y" ('+' is a space), or NULL. In a. */
const char *form_value(const char *encoded, const char *name, arena *a);
/* The value of cookie name in a Cookie header, or NULL. In a. */
const char *cookie_value(const char *header, const char *name, arena *a);

#endif
