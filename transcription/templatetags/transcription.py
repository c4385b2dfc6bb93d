from django import template

from transcription.speakers import speaker_name

register = template.Library()


@register.filter
def clock(milliseconds) -> str:
    """12345 ms -> '0:12'; over an hour, '1:02:03'."""
    from transcription.heard import clock

    return clock(milliseconds)


@register.filter
def seconds_clock(seconds) -> str:
    return clock(float(seconds or 0) * 1000)


@register.filter
def heard(segment):
    """`{{ segment|heard }}`: its text with corrected drugs and doubtful words
    marked (transcription.heard)."""
    from transcription.heard import rendered

    return rendered(segment)


@register.filter
def heard_seekable(segment):
    """`{{ segment|heard_seekable }}`: as `heard`, each doubtful or corrected word a
    button that plays the page's recording from where it was heard."""
    from transcription.heard import rendered

    return rendered(segment, seek=True)


@register.filter
def drug_corrections(segment) -> list:
    """(word, the segment's text with it undone) for each corrected drug name."""
    from transcription.heard import corrections, undo_text

    return [(word, undo_text(segment, word)) for word in corrections(segment)]


@register.filter
def heard_words(text: str) -> str:
    """What was heard, without the punctuation Whisper put after it."""
    return (text or "").rstrip(".,?!;:")


@register.filter
def speaker_label(speaker, roles=None) -> str:
    """`{{ segment.speaker|speaker_label:session.speaker_roles }}`: one naming on
    every page (transcription.speakers)."""
    return speaker_name(speaker, roles) or "Speaker"


@register.inclusion_tag("transcription/_record_card.html", takes_context=True)
def record_card(context):
    """The dashboard's "Record an encounter" card: the button, or before any click
    the reason recording is not available to this person."""
    from institutions.models import Feature
    from institutions.services.permissions import check_feature

    return {
        "access": check_feature(
            context["request"].user, Feature.Code.LIVE_TRANSCRIPTION
        )
    }
