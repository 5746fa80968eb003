/* test_arena_log.c: the arena allocator, the growable buffer and the
 * privacy masks of the log. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "arena.h"
#include "buf.h"
#include "log.h"
#include "unit_util.h"

/* ---- arena ------------------------------------------------------------ */

typedef struct {
    unsigned char *p;
    size_t n;
} block;

/* Fill b with a pattern derived from its index; check_block verifies it. */
static void fill_block(block b, size_t idx)
{
    for (size_t i = 0; i < b.n; i++) b.p[i] = (unsigned char)(idx * 31 + i);
}

static bool check_block(block b, size_t idx)
{
    for (size_t i = 0; i < b.n; i++)
        if (b.p[i] != (unsigned char)(idx * 31 + i)) return false;
    return true;
}

static void test_arena_alignment(void **state)
{
    (void)state;
    arena *a = arena_new(1024);
    for (size_t n = 1; n <= 200; n++) {
        void *p = arena_alloc(a, n);
        assert_non_null(p);
        if ((uintptr_t)p % 16 != 0) fail_msg("arena_alloc(%zu) = %p is not 16-byte aligned", n, p);
    }
    char *s = arena_strdup(a, "odd");
    assert_int_equal((uintptr_t)s % 16, 0);
    unsigned char *z = arena_zalloc(a, 3000); /* bigger than the chunk */
    assert_int_equal((uintptr_t)z % 16, 0);
    for (size_t i = 0; i < 3000; i++) assert_int_equal(z[i], 0);
    arena_free(a);
}

/* Many live allocations across many chunks never overlap. */
static void test_arena_many_allocations(void **state)
{
    (void)state;
    enum { N = 3000 };
    static block blocks[N];
    arena *a = arena_new(1024);
    for (size_t i = 0; i < N; i++) {
        blocks[i].n = 1 + (i * 7) % 300; /* 1..300 bytes: several per chunk, many chunks */
        blocks[i].p = arena_alloc(a, blocks[i].n);
        fill_block(blocks[i], i);
    }
    for (size_t i = 0; i < N; i++)
        if (!check_block(blocks[i], i)) fail_msg("block %zu (%zu bytes) was overwritten", i, blocks[i].n);
    arena_free(a);
}

static void test_arena_big_allocation(void **state)
{
    (void)state;
    arena *a = arena_new(1024);
    block small1 = {arena_alloc(a, 100), 100};
    fill_block(small1, 1);
    block big = {arena_alloc(a, 100000), 100000};
    fill_block(big, 2);
    /* small allocations after the big one still work and do not land inside it */
    block small2 = {arena_alloc(a, 100), 100};
    fill_block(small2, 3);
    block big2 = {arena_alloc(a, 1024), 1024}; /* exactly one chunk */
    fill_block(big2, 4);
    assert_true(check_block(small1, 1));
    assert_true(check_block(big, 2));
    assert_true(check_block(small2, 3));
    assert_true(check_block(big2, 4));
    assert_true(small2.p + small2.n <= big.p || small2.p >= big.p + big.n);
    arena_free(a);
}

static void test_arena_reset_reuse(void **state)
{
    (void)state;
    arena *a = arena_new(1024);
    void *first = arena_alloc(a, 16);
    for (int i = 0; i < 100; i++) arena_alloc(a, 200); /* spill into later chunks */
    arena_reset(a);
    /* the first chunk is kept: the next allocation starts where the first did */
    void *again = arena_alloc(a, 16);
    assert_ptr_equal(again, first);

    /* and the arena is fully usable after a reset */
    block blocks[50];
    for (size_t i = 0; i < 50; i++) {
        blocks[i] = (block){arena_alloc(a, 90), 90};
        fill_block(blocks[i], i);
    }
    for (size_t i = 0; i < 50; i++) assert_true(check_block(blocks[i], i));
    arena_reset(a);
    arena_reset(a); /* twice in a row is fine */
    assert_ptr_equal(arena_alloc(a, 1), first);
    arena_free(a);
    arena_free(NULL);
}

static void test_arena_strings(void **state)
{
    (void)state;
    arena *a = arena_new(64); /* below the minimum chunk size */
    char *p = arena_printf(a, "%s:%s:%lld", "retell", "call_ended", 1773132233000LL);
    assert_string_equal(p, "retell:call_ended:1773132233000");
    char big[5000];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    char *q = arena_printf(a, "<%s>", big);
    assert_int_equal(strlen(q), sizeof big + 1);
    assert_int_equal(q[0], '<');
    assert_int_equal(q[sizeof big], '>');
    assert_string_equal(arena_printf(a, "%s", ""), "");
    char *d = arena_strndup(a, "abcdef", 3);
    assert_string_equal(d, "abc");
    const char *src = "K\xc3\xb6ln";
    char *e = arena_strdup(a, src);
    assert_string_equal(e, src);
    assert_ptr_not_equal(e, src);
    assert_null(arena_strdup(a, NULL));
    assert_string_equal(p, "retell:call_ended:1773132233000"); /* still intact */
    arena_free(a);
}

/* arena.h: "Allocation failure aborts". A size that cannot be satisfied
 * must abort, not wrap around to a tiny block. Run in a child process. */
static void test_arena_huge_request_aborts(void **state)
{
    (void)state;
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        arena *a = arena_new(1024);
        void *p = arena_alloc(a, SIZE_MAX - 7);
        _exit(p ? 3 : 4); /* returning at all is the bug */
    }
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    if (!WIFSIGNALED(status))
        fail_msg("arena_alloc(SIZE_MAX - 7) returned (%s) instead of aborting",
                 WEXITSTATUS(status) == 3 ? "a non-NULL pointer" : "NULL");
    assert_int_equal(WTERMSIG(status), SIGABRT);
}

/* ---- buf -------------------------------------------------------------- */

static void test_buf_basics(void **state)
{
    (void)state;
    buf b = BUF_INIT;
    assert_string_equal(buf_cstr(&b), "");
    buf_puts(&b, "ab");
    buf_putc(&b, 'c');
    buf_append(&b, "d\0e", 3);
    assert_int_equal(b.len, 6);
    assert_memory_equal(b.data, "abcd\0e", 7); /* NUL-terminated after the bytes */
    buf_append(&b, "", 0);
    assert_int_equal(b.len, 6);
    size_t cap = b.cap;
    buf_reset(&b);
    assert_int_equal(b.len, 0);
    assert_string_equal(buf_cstr(&b), "");
    assert_int_equal(b.cap, cap); /* capacity kept */
    buf_free(&b);
    assert_null(b.data);
    assert_int_equal(b.len, 0);

    buf c;
    buf_init(&c);
    buf_printf(&c, "%s", "");
    assert_string_equal(buf_cstr(&c), "");
    buf_free(&c);
}

static void test_buf_growth(void **state)
{
    (void)state;
    buf b = BUF_INIT;
    for (int i = 0; i < 10000; i++) buf_putc(&b, (char)('a' + i % 26));
    assert_int_equal(b.len, 10000);
    assert_true(b.cap > b.len);
    assert_int_equal(b.data[10000], '\0');
    for (int i = 0; i < 10000; i++) assert_int_equal(b.data[i], 'a' + i % 26);

    buf_reset(&b);
    char chunk[777];
    memset(chunk, 'z', sizeof chunk);
    for (int i = 0; i < 50; i++) buf_append(&b, chunk, sizeof chunk);
    assert_int_equal(b.len, 50 * sizeof chunk);
    assert_int_equal(strlen(buf_cstr(&b)), 50 * sizeof chunk);
    buf_free(&b);
}

static void test_buf_printf_growth(void **state)
{
    (void)state;
    buf b = BUF_INIT;
    buf_puts(&b, "head:");
    char big[3000];
    memset(big, 'q', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    buf_printf(&b, "[%s|%d|%05.1f]", big, -42, 3.14159);
    buf_printf(&b, "%c", '!');
    char want[3100];
    snprintf(want, sizeof want, "head:[%s|%d|%05.1f]!", big, -42, 3.14159);
    assert_int_equal(b.len, strlen(want));
    assert_string_equal(b.data, want);
    buf_free(&b);
}

/* ---- log masks -------------------------------------------------------- */

static void test_mask_phone(void **state)
{
    (void)state;
    arena *a = arena_new(1024);
    const char *in = "+4917612345678";
    char *m = log_mask_phone(a, in);
    assert_non_null(m);
    assert_false(ut_contains(m, "17612345"));
    assert_false(ut_contains(m, "12345"));
    assert_true(ut_starts_with(m, "+49"));
    assert_true(ut_ends_with(m, "678"));
    assert_true(ut_contains(m, "*"));
    assert_string_equal(in, "+4917612345678"); /* input untouched */
    assert_null(log_mask_phone(a, NULL));
    /* very short values are hidden completely */
    assert_string_equal(log_mask_phone(a, "12345"), "*****");
    arena_free(a);
}

/* Numbers of 7 to 9 characters (short local numbers, "+49301234") must not
 * come back unmasked: log.h says phone numbers are only ever logged masked. */
static void test_mask_phone_short_numbers(void **state)
{
    (void)state;
    arena *a = arena_new(1024);
    const char *nums[] = {"1234567", "+4930123", "+49301234", "022112345", "0221123456"};
    char wrong[512] = "";
    for (size_t i = 0; i < sizeof nums / sizeof *nums; i++) {
        char *m = log_mask_phone(a, nums[i]);
        assert_int_equal(strlen(m), strlen(nums[i]));
        if (!strchr(m, '*')) {
            size_t used = strlen(wrong);
            snprintf(wrong + used, sizeof wrong - used, "%s\"%s\" -> \"%s\"", used ? ", " : "", nums[i], m);
        }
    }
    arena_free(a);
    if (wrong[0]) fail_msg("returned unmasked: %s", wrong);
}

static void test_mask_email(void **state)
{
    (void)state;
    arena *a = arena_new(1024);
    char *m = log_mask_email(a, "lena.schmidt@example.com");
    assert_true(ut_ends_with(m, "@example.com"));
    assert_false(ut_contains(m, "lena"));
    assert_false(ut_contains(m, "schmidt"));
    assert_true(ut_contains(m, "*"));
    m = log_mask_email(a, "4917612345678@sms.cal.com");
    assert_true(ut_ends_with(m, "@sms.cal.com"));
    assert_false(ut_contains(m, "17612345678"));
    /* not an address: nothing of it is shown */
    m = log_mask_email(a, "lena.schmidt");
    assert_false(ut_contains(m, "schmidt"));
    m = log_mask_email(a, "@example.com");
    assert_non_null(m);
    assert_null(log_mask_email(a, NULL));
    arena_free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_arena_alignment),
        cmocka_unit_test(test_arena_many_allocations),
        cmocka_unit_test(test_arena_big_allocation),
        cmocka_unit_test(test_arena_reset_reuse),
        cmocka_unit_test(test_arena_strings),
        cmocka_unit_test(test_arena_huge_request_aborts),
        cmocka_unit_test(test_buf_basics),
        cmocka_unit_test(test_buf_growth),
        cmocka_unit_test(test_buf_printf_growth),
        cmocka_unit_test(test_mask_phone),
        cmocka_unit_test(test_mask_phone_short_numbers),
        cmocka_unit_test(test_mask_email),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
