/* The loop of bench/vec3/vec3.spy in C, with the same struct-returning helpers. */
#include <stdio.h>

typedef struct { double x, y, z; } Vec3;

static Vec3 add(Vec3 a, Vec3 b) { return (Vec3){a.x + b.x, a.y + b.y, a.z + b.z}; }
static Vec3 mul(Vec3 a, double k) { return (Vec3){a.x * k, a.y * k, a.z * k}; }
static double dot(Vec3 a, Vec3 b) { return a.x * b.x + a.y * b.y + a.z * b.z; }
static Vec3 cross(Vec3 a, Vec3 b) {
    return (Vec3){a.y * b.z - a.z * b.y, a.z * b.x - a.x * b.z, a.x * b.y - a.y * b.x};
}
static Vec3 step(Vec3 p, Vec3 v, Vec3 axis, double dt) {
    (void)p;
    return mul(add(v, mul(cross(axis, v), dt)), 0.9999999);
}

int main(void) {
    Vec3 p = {0.0, 0.0, 0.0}, v = {1.0, 0.5, 0.25}, axis = {0.0, 0.0, 1.0};
    double acc = 0.0;
    for (int i = 0; i < 100000000; i++) {
        v = step(p, v, axis, 0.001);
        p = add(p, mul(v, 0.001));
        acc += dot(p, v);
    }
    printf("%.17g %.17g %.17g\n%.17g\n", p.x, p.y, p.z, acc);
    return 0;
}
