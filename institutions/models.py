from django.db import models
from django.db.models.functions import Lower

from noumaris.models import TimestampedModel


class Institution(TimestampedModel):
    """A hospital or residency program: a tenant."""

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=200, unique=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(Lower("name"), name="institution_name_ci_unique"),
        ]

    def __str__(self):
        return self.name
