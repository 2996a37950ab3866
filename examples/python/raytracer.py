"""The raytracer in plain Python: the pure-Python version that demo.py races
the compiled one against (the scene, camera and operation order of
examples/raytracer_bench.spy, so that both compute the same pixels)."""

import math


class Vec3:
    __slots__ = ("x", "y", "z")

    def __init__(self, x, y, z):
        self.x, self.y, self.z = x, y, z

    def add(self, o):
        return Vec3(self.x + o.x, self.y + o.y, self.z + o.z)

    def sub(self, o):
        return Vec3(self.x - o.x, self.y - o.y, self.z - o.z)

    def mul(self, s):
        return Vec3(self.x * s, self.y * s, self.z * s)

    def dot(self, o):
        return self.x * o.x + self.y * o.y + self.z * o.z

    def normalize(self):
        n = math.sqrt(self.dot(self))
        return Vec3(self.x / n, self.y / n, self.z / n)


class Sphere:
    def __init__(self, center, radius, color):
        self.center, self.radius, self.color = center, radius, color

    def intersect(self, origin, direction):
        oc = origin.sub(self.center)
        a = direction.dot(direction)
        b = 2.0 * oc.dot(direction)
        c = oc.dot(oc) - self.radius * self.radius
        disc = b * b - 4 * a * c
        if disc < 0:
            return None
        t = (-b - math.sqrt(disc)) / (2.0 * a)
        if t < 0.001:
            return None
        point = origin.add(direction.mul(t))
        return t, point.sub(self.center).normalize(), self.color


class Plane:
    def __init__(self, point, normal, color):
        self.point, self.normal, self.color = point, normal.normalize(), color

    def intersect(self, origin, direction):
        denom = self.normal.dot(direction)
        if abs(denom) < 0.0001:
            return None
        t = self.point.sub(origin).dot(self.normal) / denom
        if t < 0.001:
            return None
        point = origin.add(direction.mul(t))
        color = self.color
        if (int(point.x / 2.0) + int(point.z / 2.0)) % 2 == 0:
            color = (0.9, 0.9, 0.9)
        return t, self.normal, color


def trace(origin, direction, shapes, light_dir):
    closest = None
    for s in shapes:
        hit = s.intersect(origin, direction)
        if hit is not None and (closest is None or hit[0] < closest[0]):
            closest = hit
    if closest is None:
        t = 0.5 * (direction.y + 1.0)
        return 0.5 + 0.5 * t, 0.7 + 0.3 * t, 1.0
    nl = closest[1].dot(light_dir)
    total = 0.2 + (1.0 - 0.2) * (nl if nl > 0.0 else 0.0)
    r, g, b = closest[2]
    return r * total, g * total, b * total


def to_int255(v):
    s = v * 255
    return int(s if s < 255 else 255)


def pixels(width, height, ball_x):
    shapes = [
        Sphere(Vec3(ball_x, 0.0, -4.0), 0.8, (1.0, 0.3, 0.3)),
        Sphere(Vec3(2.5, -0.3, -6.0), 1.0, (0.3, 0.3, 1.0)),
        Plane(Vec3(0.0, -1.5, 0.0), Vec3(0.0, 1.0, 0.0), (0.7, 0.7, 0.7)),
    ]
    light_dir = Vec3(0.5, 1.0, 0.3).normalize()
    origin = Vec3(0.0, 0.0, 0.0)
    aspect = width / height
    cam = (3.14159265359 / 3 / 2) ** 0.5
    out = []
    for y in range(height):
        for x in range(width):
            px = (2 * (x + 0.5) / width - 1) * aspect * cam
            py = (1 - 2 * (y + 0.5) / height) * cam
            r, g, b = trace(origin, Vec3(px, py, -1.0).normalize(), shapes, light_dir)
            out.append(to_int255(r) * 65536 + to_int255(g) * 256 + to_int255(b))
    return out
