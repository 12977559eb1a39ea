"""The few fixed strings feedpub writes into a feed, in the blog's language.

Only the closing item has words of feedpub's own (its title, its message and the text
of its link onwards); everything else in a feed is the blog's. They are chosen by the
primary subtag of the blog's ``language`` (``de-AT`` → ``de``), fall back to English,
and each can be replaced in ``[closed]`` of feedpub.toml (``title``, ``message``,
``link_text``). Adding a language is adding one entry below, written the way that
language's newsrooms end a live page.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ClosingWords:
    title: str
    message: str
    link_text: str


FALLBACK = "en"

CLOSING: dict[str, ClosingWords] = {
    "en": ClosingWords(
        "This live blog is closed",
        "These live updates have ended. Coverage continues on a new page.",
        "Keep reading: the coverage continues here."),
    "de": ClosingWords(
        "Dieser Liveblog ist beendet",
        "Die Live-Berichterstattung auf dieser Seite ist beendet. Sie wird auf einer neuen "
        "Seite fortgesetzt.",
        "Hier geht es zur weiteren Berichterstattung."),
    "fr": ClosingWords(
        "Ce direct est terminé",
        "Le suivi en direct sur cette page est terminé. Notre couverture se poursuit sur une "
        "nouvelle page.",
        "Retrouvez la suite de notre couverture ici."),
    "es": ClosingWords(
        "Este directo ha finalizado",
        "La cobertura en directo de esta página ha terminado. Continúa en una nueva página.",
        "Siga aquí nuestra cobertura."),
    "ar": ClosingWords(
        "انتهت هذه التغطية المباشرة",
        "انتهت التحديثات المباشرة على هذه الصفحة، وتتواصل التغطية على صفحة جديدة.",
        "تابعوا التغطية المستمرة هنا."),
    "uk": ClosingWords(
        "Цю онлайн-трансляцію завершено",
        "Оновлення на цій сторінці завершено. Висвітлення подій триває на новій сторінці.",
        "Продовження висвітлення читайте тут."),
}


def closing_words(language: str | None) -> ClosingWords:
    """The closing item's default words for a BCP 47 ``language``; English when unknown."""
    primary = (language or FALLBACK).split("-", 1)[0].lower()
    return CLOSING.get(primary, CLOSING[FALLBACK])
