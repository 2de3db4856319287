"""The start page: what a full user sees first; lite users go to the selling view and payroll
managers to their profile (payroll does not exist yet)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from facturo.domain.access import UserType
from facturo.web.core import PREFIX, Session, redirect, render

router = APIRouter()


@router.get("/")
def home(request: Request, session: Session) -> Response:
    if session.user.user_type is UserType.LITE:
        return redirect(request, PREFIX + "/vender")
    if session.user.user_type is UserType.PAYROLL:
        return redirect(request, PREFIX + "/perfil")
    return render(request, "home.html")
